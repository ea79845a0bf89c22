#!/usr/bin/env python
"""The RabbitMQ tutorial's RPC client (tutorial 6, pika), as the tutorial runs it.

Only changes: the broker URL and the queue can be overridden for tests with the environment
variables AMQP_URL and RPC_QUEUE, and n with the first argument (defaults: localhost, rpc_queue,
30 — the tutorial's). Like the original, it waits for its reply forever.
"""
import os
import sys
import uuid

import pika

QUEUE = os.environ.get("RPC_QUEUE", "rpc_queue")


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
        while self.response is None:
            self.connection.process_data_events(time_limit=None)
        return int(self.response)


n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
fibonacci_rpc = FibonacciRpcClient()

print(" [x] Requesting fib(%s)" % n)
response = fibonacci_rpc.call(n)
print(" [.] Got %r" % response)
