-- An erased member was a member up to and including the day of the erasure (LidGewist's
-- `laatste_lidmaatschapsdag`, the day registratie keeps), no longer the day before. Rows written
-- before this change hold the day before; a rebuild from the stream gives the same result.
UPDATE lidmaatschap SET gewist_tot = gewist_tot + 1 WHERE gewist_tot IS NOT NULL;
