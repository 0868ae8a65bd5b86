SELECT
  event_id,
  collector_tstamp,
  event_tstamp,
  schema_version,
  app_id,
  platform,
  user_id,
  domain_userid,
  network_userid,
  session_id,
  page_url,
  LAX_STRING(payload['order_id']) AS `order_id`,
  LAX_FLOAT64(payload['total']) AS `total`,
  LAX_STRING(payload['currency']) AS `currency`,
  LAX_INT64(payload['items']) AS `items`,
  LAX_STRING(payload['coupon']) AS `coupon`
FROM `my-project.sluice.events`
WHERE schema >= 'iglu:com.example/checkout/jsonschema/1-'
  AND schema < 'iglu:com.example/checkout/jsonschema/1.'
