<?php
// STAND-IN for Invoice Ninja's front controller: maintenance, /health with a real query
// of its database through the settings, its page, and the part of its REST API the
// collectif role's api entry point uses (sign-in, clients, recurring invoices), kept in
// its database.
require dirname(__DIR__) . '/lib/standin.php';

function answer(int $status, array $body): never
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body), "\n";
    exit;
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
if (is_file(dirname(__DIR__) . '/storage/framework/down')) {
    http_response_code(503);
    exit("Invoice Ninja is in maintenance (stand-in)\n");
}
if ($path === '/health') {
    try {
        $accounts = (int) standin_db(standin_env())->query('SELECT COUNT(*) FROM accounts')->fetchColumn();
        answer(200, ['status' => 'ok', 'message' => 'API is healthy', 'accounts' => $accounts]);
    } catch (Throwable $e) {
        answer(500, ['status' => 'error', 'message' => $e->getMessage()]);
    }
}
if ($path === '/' || $path === '/index.php') {
    echo "<!doctype html>\n<html><head><title>Invoice Ninja</title></head><body>stand-in</body></html>\n";
    exit;
}
if (str_starts_with($path, '/api/v1/')) {
    if (($_SERVER['HTTP_X_REQUESTED_WITH'] ?? '') !== 'XMLHttpRequest') {
        answer(403, ['message' => 'X-Requested-With: XMLHttpRequest is required']);
    }
    $db = standin_db(standin_env());
    $body = json_decode((string) file_get_contents('php://input'), true) ?: [];
    if ($path === '/api/v1/login' && $method === 'POST') {
        $user = $db->prepare('SELECT users.password, company_tokens.token FROM users
                              JOIN company_tokens ON company_tokens.user_id = users.id WHERE users.email = ?');
        $user->execute([$body['email'] ?? '']);
        $row = $user->fetch();
        if (!$row || !password_verify((string) ($body['password'] ?? ''), $row['password'])) {
            answer(401, ['message' => 'These credentials do not match our records.']);
        }
        answer(200, ['data' => [['token' => ['token' => $row['token']]]]]);
    }
    $token = $db->prepare('SELECT COUNT(*) FROM company_tokens WHERE token = ?');
    $token->execute([$_SERVER['HTTP_X_API_TOKEN'] ?? '']);
    if ((int) $token->fetchColumn() !== 1) {
        answer(403, ['message' => 'Invalid token']);
    }
    $client = fn(array $r) => ['id' => 'c' . $r['id'], 'name' => $r['name'], 'contacts' => [['email' => $r['email']]]];
    if ($path === '/api/v1/clients' && $method === 'GET') {
        $rows = $db->prepare('SELECT * FROM clients WHERE ? = \'\' OR email = ?');
        $email = $_GET['email'] ?? '';
        $rows->execute([$email, $email]);
        answer(200, ['data' => array_map($client, $rows->fetchAll())]);
    }
    if ($path === '/api/v1/clients' && $method === 'POST') {
        if (empty($body['name'])) {
            answer(422, ['message' => 'The given data was invalid.', 'errors' => ['name' => ['required']]]);
        }
        $insert = $db->prepare('INSERT INTO clients (name, email) VALUES (?, ?)');
        $insert->execute([$body['name'], $body['contacts'][0]['email'] ?? '']);
        $rows = $db->query('SELECT * FROM clients WHERE id = ' . (int) $db->lastInsertId());
        answer(200, ['data' => $client($rows->fetch())]);
    }
    // As the real one (app/Models/RecurringInvoice.php): status 1 draft, 2 active, 3
    // paused; a new one is a draft unless ?start=true; next_send_date is today when not
    // given, and never before today.
    $recurring = fn(array $r) => ['id' => 'r' . $r['id'], 'client_id' => 'c' . $r['client_id'],
        'status_id' => (string) $r['status_id'], 'frequency_id' => (string) $r['frequency_id'],
        'amount' => (float) $r['amount'], 'next_send_date' => $r['next_send_date'], 'is_deleted' => false,
        'line_items' => [['product_key' => $r['product_key'], 'notes' => $r['notes'], 'cost' => (float) $r['amount'], 'quantity' => 1]]];
    $send_date = function (array $body): string {
        $date = (string) ($body['next_send_date'] ?? '') ?: date('Y-m-d');
        if ($date < date('Y-m-d')) {
            answer(422, ['message' => 'The given data was invalid.', 'errors' => ['next_send_date' => ['after:yesterday']]]);
        }
        return $date;
    };
    $started = ($_GET['start'] ?? '') === 'true';
    if ($path === '/api/v1/recurring_invoices' && $method === 'GET') {
        answer(200, ['data' => array_map($recurring, $db->query('SELECT * FROM recurring_invoices')->fetchAll())]);
    }
    if ($path === '/api/v1/recurring_invoices' && $method === 'POST') {
        $id = (int) ltrim((string) ($body['client_id'] ?? ''), 'c');
        $exists = $db->prepare('SELECT COUNT(*) FROM clients WHERE id = ?');
        $exists->execute([$id]);
        if ((int) $exists->fetchColumn() !== 1) {
            answer(422, ['message' => 'The given data was invalid.', 'errors' => ['client_id' => ['invalid']]]);
        }
        $item = $body['line_items'][0] ?? [];
        $insert = $db->prepare('INSERT INTO recurring_invoices (client_id, frequency_id, amount, notes, product_key,
                                status_id, next_send_date) VALUES (?, ?, ?, ?, ?, ?, ?)');
        $insert->execute([$id, (int) ($body['frequency_id'] ?? 0), (float) ($item['cost'] ?? 0), (string) ($item['notes'] ?? ''),
                          (string) ($item['product_key'] ?? ''), $started ? 2 : 1, $send_date($body)]);
        $rows = $db->query('SELECT * FROM recurring_invoices WHERE id = ' . (int) $db->lastInsertId());
        answer(200, ['data' => $recurring($rows->fetch())]);
    }
    if (preg_match('#^/api/v1/recurring_invoices/r(\d+)$#', $path, $m) && $method === 'PUT') {
        $item = $body['line_items'][0] ?? [];
        $update = $db->prepare('UPDATE recurring_invoices SET amount = ?, notes = ?, product_key = ?, next_send_date = ?,
                                status_id = IF(?, 2, status_id) WHERE id = ?');
        $update->execute([(float) ($item['cost'] ?? 0), (string) ($item['notes'] ?? ''), (string) ($item['product_key'] ?? ''),
                          $send_date($body), $started ? 1 : 0, (int) $m[1]]);
        $rows = $db->query('SELECT * FROM recurring_invoices WHERE id = ' . (int) $m[1]);
        answer(200, ['data' => $recurring($rows->fetch())]);
    }
    if ($path === '/api/v1/recurring_invoices/bulk' && $method === 'POST') {
        if (!in_array($body['action'] ?? '', ['start', 'stop'], true) || empty($body['ids'])) {
            answer(422, ['message' => 'The given data was invalid.']);
        }
        $ids = array_map(fn($id) => (int) ltrim((string) $id, 'r'), $body['ids']);
        $change = $body['action'] === 'stop'
            ? 'UPDATE recurring_invoices SET status_id = 3 WHERE status_id < 3 AND id = ?'
            : 'UPDATE recurring_invoices SET status_id = 2 WHERE id = ?';
        foreach ($ids as $id) {
            $db->prepare($change)->execute([$id]);
        }
        $rows = $db->query('SELECT * FROM recurring_invoices WHERE id IN (' . implode(',', $ids) . ')');
        answer(200, ['data' => array_map($recurring, $rows->fetchAll())]);
    }
}
answer(404, ['message' => 'Not found (stand-in)']);
