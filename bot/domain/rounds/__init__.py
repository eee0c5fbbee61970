"""Themed rounds on a playlist: members submit up to a quota while the round is open, vote while it is voting,
and the ranking is revealed at the end."""
