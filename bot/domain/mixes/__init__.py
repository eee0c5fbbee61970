"""Mixes: playlists generated for an atmosphere, from seed tracks, from members' listening, or from a playlist.

`model` holds the inputs and results, `rules` the quality rules every mix obeys (no duplicates, a cap per artist,
no artist twice in a row, a size by count or length), `sources` what each kind of mix asks the music catalog.
"""
