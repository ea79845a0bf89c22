<?php
// The tutorial's PHP puller (section 3, PUSH/PULL): a slow worker, 2 s per message.
// Run: php peers/puller.php   (ZMQ_ENDPOINT overrides the endpoint; WORK_SECONDS the work time)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://localhost:5555';
$work = getenv('WORK_SECONDS') !== false ? (float) getenv('WORK_SECONDS') : 2;

$context = new ZMQContext();
$puller = new ZMQSocket($context, ZMQ::SOCKET_PULL);
$puller->connect($endpoint);

while (true) {
    $message = $puller->recv();
    echo "Get back message $message\n";
    usleep((int) ($work * 1000000));
}
