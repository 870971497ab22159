-- The rows of normalized_rows with their values' codes (value-codes.sql; -1 where a row has none): what a
-- TransactionTable holds, by row number (seq).
SELECT
  r.seq,
  c.code AS customer,
  r.ts_ms,
  r.amount,
  COALESCE(o.code, -1) AS order_code,
  COALESCE(k.code, -1) AS country_code,
  COALESCE(h.code, -1) AS channel_code
FROM normalized_rows r
JOIN value_codes c ON c.kind = 'customer' AND c.value = r.customer_id
LEFT JOIN value_codes o ON o.kind = 'order' AND o.value = r.order_id
LEFT JOIN value_codes k ON k.kind = 'country' AND k.value = r.country
LEFT JOIN value_codes h ON h.kind = 'channel' AND h.value = r.channel
