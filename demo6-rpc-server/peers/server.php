<?php
// The tutorial's PHP RPC server (section 6): REP socket on port 5555, MessagePack payload.
// A request is a map {"function_name": ..., "parameters": [...]}; the server looks the name up
// in its route table, calls the function and replies with the bare result.
// Like the tutorial's original it trusts its input: an unknown name or bad parameters crash it.
// Run: php peers/server.php   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
$endpoint = getenv('ZMQ_ENDPOINT') ?: 'tcp://*:5555';

$routes = [
    'plus' => function (...$numbers) {
        return array_sum($numbers);
    },
];

$context = new ZMQContext();
$server = new ZMQSocket($context, ZMQ::SOCKET_REP);
$server->bind($endpoint);

while (true) {
    $request = msgpack_unpack($server->recv());
    $name = $request['function_name'];
    $parameters = $request['parameters'];
    $result = call_user_func_array($routes[$name], $parameters);
    echo "$name(" . implode(', ', $parameters) . ") = $result\n";
    $server->send(msgpack_pack($result));
}
