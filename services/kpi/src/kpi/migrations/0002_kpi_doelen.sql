-- Yearly targets from the KPI catalogue. Targets are data: the committee can change them with a
-- new migration (or, later, a screen) without touching code. Every target is a minimum ("≥").
-- The multi-year plan runs five calendar years from 2025 (baseline June 2024).

CREATE TABLE kpi_doel (
    kpi_id  text    NOT NULL,
    jaar    integer NOT NULL,
    doel    numeric NOT NULL CHECK (doel >= 0),
    PRIMARY KEY (kpi_id, jaar)
);

INSERT INTO kpi_doel (kpi_id, jaar, doel)
SELECT d.kpi_id, j.jaar, d.doel
FROM (VALUES
    ('od11_algemeen', 2),
    ('od11_specifiek', 2),
    ('od12_infosessies', 2),
    ('od12_deelnemersuren', 100),
    ('od12_inspiratiedag_fysiek', 1),
    ('od12_inspiratiedag_online', 1),
    ('od22_deelnemersuren', 160),
    ('od31_bevragingen', 1),
    ('gov_stuurgroep', 2),
    ('gov_overleg', 12)
) AS d (kpi_id, doel)
CROSS JOIN generate_series(2025, 2029) AS j (jaar);
