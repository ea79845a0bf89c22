<?php
// The tutorial's PHP pusher (section 3, PUSH/PULL): sends the date every 0.5 s.
// Run: php peers/pusher.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://*:5555';

$context = new ZMQContext();
$pusher = new ZMQSocket($context, ZMQ::SOCKET_PUSH);
$pusher->bind($endpoint);

while (true) {
    $message = date('m/d/Y h:i:s a', time());
    $pusher->send($message);
    echo "Now is $message\n";
    usleep(500000);
}
