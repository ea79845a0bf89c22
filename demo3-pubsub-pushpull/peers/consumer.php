<?php
// The tutorial's PHP consumer (section 3, PUB/SUB): subscribes to everything, prints each date.
// Run: php peers/consumer.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://localhost:5555';

$context = new ZMQContext();
$subscriber = new ZMQSocket($context, ZMQ::SOCKET_SUB);
$subscriber->connect($endpoint);
$subscriber->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, "");

while (true) {
    $message = $subscriber->recv();
    echo "Get date: $message\n";
}
