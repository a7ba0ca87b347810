"""The app's one chart system: plotly figures described as plain data, always beside a table
with the same numbers, drawn by the one macro ``plot`` in ``macros/charts.html``.

- ``formats``: numbers and texts as tables and figures show them, in the reader's language;
- ``palette``: the colours: Designsystemet's tokens for series, a colour-blind-safe diverging
  scale for agreement scales, and the contrast rule for labels on bars;
- ``base``: ``Figure`` and what every figure shares (font, colours, layout, configuration);
- ``chart``: ``Chart``, a simple chart from (label, value) rows, for statistics pages;
- ``figures``: the results' figures (diverging bars, bars, spreads, the mean per round);
- ``plotly``: the plotly.js the app serves itself.
"""
