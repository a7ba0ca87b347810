"""The organisation's own identity: its display name, logo and accent colour, the theme derived
from the colour (with the WCAG contrast checks), and the public addresses of the logo and the
theme's stylesheet."""
