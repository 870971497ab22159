-- credit_sign(s): a trailing minus (`12.50-`, how some ledgers write credits) moved to the front.
CREATE OR REPLACE TEMP MACRO credit_sign(s) AS
  CASE WHEN ends_with(s, '-') AND NOT starts_with(s, '-') THEN '-' || left(s, length(s) - 1) ELSE s END;
