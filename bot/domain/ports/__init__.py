"""What the domain needs from the outside, in domain types: the store (`storage`) and the music catalog (`catalog`)."""
