-- The values of one kind of value_codes (value-codes.sql) in code order.
-- One parameter (`?`): the kind (customer, order, country, channel).
SELECT value
FROM value_codes
WHERE kind = ?
ORDER BY code
