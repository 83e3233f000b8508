"""One module per kind of layer (editly's pattern): shots, text and images, each prepared once."""
