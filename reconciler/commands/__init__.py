"""One plain function per command."""
