#!/usr/bin/env python
"""The second write-up's variant of the RPC server: queue `s14rpc`, the answer is n + 100.

Same shape as rpc_server.py; AMQP_URL and RPC_QUEUE override the broker and queue for tests.
"""
import os

import pika

connection = pika.BlockingConnection(
    pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")))
channel = connection.channel()

QUEUE = os.environ.get("RPC_QUEUE", "s14rpc")
channel.queue_declare(queue=QUEUE)


def plus100(n):
    return n + 100


def on_request(ch, method, props, body):
    n = int(body)

    print(" [.] plus100(%s)" % n)
    response = plus100(n)

    ch.basic_publish(exchange='',
                     routing_key=props.reply_to,
                     properties=pika.BasicProperties(correlation_id=props.correlation_id),
                     body=str(response))
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=QUEUE, on_message_callback=on_request)

print(" [x] Awaiting RPC requests")
channel.start_consuming()
