"""The RabbitMQ tutorial's pika RPC client (tutorial 6), calling in a loop for the bench's
amqp-rpc-* scenarios: one call at a time, exactly as `FibonacciRpcClient.call` does it.

    amqp_rpc_client.py N SECONDS      (env AMQP_URL, RPC_QUEUE as for peers/rpc_client.py)

Warms up with 20 calls of fib(N), then calls for SECONDS and prints
`RESULT <calls> <elapsed seconds>`. Unlike the tutorial it never waits forever: a call that
gets no reply within 10 s ends the script with an error.
"""
import os
import sys
import time
import uuid

import pika

QUEUE = os.environ.get("RPC_QUEUE", "rpc_queue")
CALL_TIMEOUT = 10.0


class FibonacciRpcClient(object):

    def __init__(self):
        self.connection = pika.BlockingConnection(
            pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")))
        self.channel = self.connection.channel()
        result = self.channel.queue_declare(queue='', exclusive=True)
        self.callback_queue = result.method.queue
        self.channel.basic_consume(
            queue=self.callback_queue,
            on_message_callback=self.on_response,
            auto_ack=True)
        self.response = None
        self.corr_id = None

    def on_response(self, ch, method, props, body):
        if self.corr_id == props.correlation_id:
            self.response = body

    def call(self, n):
        self.response = None
        self.corr_id = str(uuid.uuid4())
        self.channel.basic_publish(
            exchange='',
            routing_key=QUEUE,
            properties=pika.BasicProperties(
                reply_to=self.callback_queue,
                correlation_id=self.corr_id,
            ),
            body=str(n))
        deadline = time.monotonic() + CALL_TIMEOUT
        while self.response is None:
            if time.monotonic() > deadline:
                sys.exit("no reply within %s s from a server on %s" % (CALL_TIMEOUT, QUEUE))
            self.connection.process_data_events(time_limit=1)
        return int(self.response)


n = int(sys.argv[1])
seconds = float(sys.argv[2])
client = FibonacciRpcClient()
for _ in range(20):
    client.call(n)
calls = 0
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    client.call(n)
    calls += 1
print("RESULT %d %.6f" % (calls, time.perf_counter() - start), flush=True)
client.connection.close()
