#!/usr/bin/env python
"""The RabbitMQ tutorial's RPC server (tutorial 6, pika), as the tutorial runs it.

Only change: the broker URL and the queue can be overridden for tests with the environment
variables AMQP_URL and RPC_QUEUE (defaults: localhost, rpc_queue — the tutorial's).
"""
import os

import pika

connection = pika.BlockingConnection(
    pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")))
channel = connection.channel()

QUEUE = os.environ.get("RPC_QUEUE", "rpc_queue")
channel.queue_declare(queue=QUEUE)


def fib(n):
    if n == 0:
        return 0
    elif n == 1:
        return 1
    else:
        return fib(n - 1) + fib(n - 2)


def on_request(ch, method, props, body):
    n = int(body)

    print(" [.] fib(%s)" % n)
    response = fib(n)

    ch.basic_publish(exchange='',
                     routing_key=props.reply_to,
                     properties=pika.BasicProperties(correlation_id=props.correlation_id),
                     body=str(response))
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=QUEUE, on_message_callback=on_request)

print(" [x] Awaiting RPC requests")
channel.start_consuming()
