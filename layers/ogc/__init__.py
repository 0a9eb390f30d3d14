"""OGC API – Features (Parts 1, 2, 3), vector tiles, TileJSON and the layer list."""
