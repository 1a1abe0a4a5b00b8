"""One module per ``geomap`` subcommand."""
