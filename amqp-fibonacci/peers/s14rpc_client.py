#!/usr/bin/env python
"""The second write-up's variant of the RPC client: queue `s14rpc`, expects n + 100.

Same shape as rpc_client.py; AMQP_URL and RPC_QUEUE override the broker and queue for tests,
the first argument overrides n (default 30).
"""
import os
import sys
import uuid

import pika

QUEUE = os.environ.get("RPC_QUEUE", "s14rpc")


class Plus100RpcClient(object):

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
rpc = Plus100RpcClient()

print(" [x] Requesting plus100(%s)" % n)
response = rpc.call(n)
print(" [.] Got %r" % response)
