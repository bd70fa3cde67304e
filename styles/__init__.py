"""The stylesheets and fonts, shipped inside the package as builder.styles."""
