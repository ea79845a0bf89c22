<?php
// The tutorial's PHP producer (section 3, PUB/SUB): publishes the date once a second.
// Run: php peers/producer.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://*:5555';

$context = new ZMQContext();
$publisher = new ZMQSocket($context, ZMQ::SOCKET_PUB);
$publisher->bind($endpoint);

while (true) {
    $message = date('m/d/Y h:i:s a', time());
    $publisher->send($message);
    echo "$message\n";
    sleep(1);
}
