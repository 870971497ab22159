-- date_epoch_ms(p, fmt, tp): epoch milliseconds of a date field from its date_parts `p` and the time_parts
-- `tp` of p.t, or NULL when it is no valid date in `fmt` (iso, ymd, dmy, mdy). Two-digit years (dmy, mdy)
-- are 1970-2069, four-digit years 0000-0099 are 1900-1999 (as Date.UTC). The transaction query computes the
-- same in layers (transaction-rows.sql), which DuckDB plans much faster for a file's every row.
CREATE OR REPLACE TEMP MACRO date_epoch_ms(p, fmt, tp) AS
  CASE
    WHEN p.a <> '' AND (fmt <> 'iso' OR p.s1 = p.s2) AND (p.t = '' OR tp.h <> '')
    THEN
      utc_epoch_ms(
        century(CASE WHEN fmt IN ('iso', 'ymd') THEN p.a ELSE p.c END),
        try_cast(CASE WHEN fmt = 'mdy' THEN p.a ELSE p.b END AS INT),
        try_cast(CASE WHEN fmt = 'dmy' THEN p.a WHEN fmt = 'mdy' THEN p.b ELSE p.c END AS INT),
        coalesce(try_cast(tp.h AS INT), 0),
        coalesce(try_cast(tp.mi AS INT), 0),
        coalesce(try_cast(tp.sec AS INT), 0),
        coalesce(try_cast(rpad(left(tp.frac, 3), 3, '0') AS INT), 0)
      ) - zone_offset_ms(trim_text(coalesce(tp.zone, '')))
  END;
