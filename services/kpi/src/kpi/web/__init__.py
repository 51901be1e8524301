"""kpi's pages, JSON API, tables, charts and downloads."""
