"""kpi's use cases: events into projections, staff commands, a year's figures, the rebuild."""
