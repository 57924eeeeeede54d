<?php
// STAND-IN for Invoice Ninja's front controller: maintenance, /health with a real query
// of its database through the settings, its page.
require dirname(__DIR__) . '/lib/standin.php';

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
if (is_file(dirname(__DIR__) . '/storage/framework/down')) {
    http_response_code(503);
    exit("Invoice Ninja is in maintenance (stand-in)\n");
}
if ($path === '/health') {
    header('Content-Type: application/json');
    try {
        $accounts = (int) standin_db(standin_env())->query('SELECT COUNT(*) FROM accounts')->fetchColumn();
        echo json_encode(['status' => 'ok', 'message' => 'API is healthy', 'accounts' => $accounts]), "\n";
    } catch (Throwable $e) {
        http_response_code(500);
        echo json_encode(['status' => 'error', 'message' => $e->getMessage()]), "\n";
    }
    exit;
}
if ($path === '/' || $path === '/index.php') {
    echo "<!doctype html>\n<html><head><title>Invoice Ninja</title></head><body>stand-in</body></html>\n";
    exit;
}
http_response_code(404);
header('Content-Type: application/json');
echo json_encode(['message' => 'Not found (stand-in)']), "\n";
