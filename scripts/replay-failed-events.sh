#!/usr/bin/env bash
# Replay the failed asynchronous invocations of a deployed stage (README "Deploy to AWS"): every message of
# the stack's failed-events queue is Lambda's on-failure record, whose `requestPayload` is the original
# event (an S3 upload notification, the training schedule) and `requestContext.functionArn` the function.
# Each is invoked again asynchronously (so a new failure lands in the queue again), then deleted.
# Needs the AWS CLI and Node.js; usage: bash scripts/replay-failed-events.sh <stack> (valuecast-prod).
set -euo pipefail
stack=${1:?usage: bash scripts/replay-failed-events.sh <stack name, e.g. valuecast-prod>}
queue=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='FailedEventsQueueUrl'].OutputValue" --output text)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
replayed=0
while true; do
  aws sqs receive-message --queue-url "$queue" --max-number-of-messages 1 --visibility-timeout 900 \
    --output json > "$work/message.json"
  [ -s "$work/message.json" ] || break
  # The function, the receipt handle, and the original event written to event.json.
  read -r function handle < <(node -e '
    const fs = require("node:fs");
    const message = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).Messages[0];
    const record = JSON.parse(message.Body);
    fs.writeFileSync(process.argv[2], JSON.stringify(record.requestPayload));
    console.log(record.requestContext.functionArn.replace(/:\$LATEST$/, ""), message.ReceiptHandle);
  ' "$work/message.json" "$work/event.json")
  aws lambda invoke --function-name "$function" --invocation-type Event \
    --payload "fileb://$work/event.json" "$work/response.json" > /dev/null
  aws sqs delete-message --queue-url "$queue" --receipt-handle "$handle"
  replayed=$((replayed + 1))
  echo "replayed an event of $function"
done
echo "$replayed event(s) replayed from $queue"
