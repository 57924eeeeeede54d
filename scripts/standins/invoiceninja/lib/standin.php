<?php
// STAND-IN for Invoice Ninja (tests and bench only, never shipped): laid out like the
// release archive, it does for real what the collectif role relies on (its settings read
// from .env, its database reached with them, maintenance mode, the first account) and
// records every command the role ran in storage/collectif-standin.json.
declare(strict_types=1);

function standin_env(): array
{
    $env = [];
    foreach (file(dirname(__DIR__) . '/.env', FILE_IGNORE_NEW_LINES) ?: [] as $line) {
        if (preg_match('/^([A-Z_]+)=(.*)$/', $line, $m)) {
            $env[$m[1]] = trim($m[2], '"');
        }
    }
    return $env;
}

function standin_db(array $env): PDO
{
    return new PDO(
        "mysql:unix_socket={$env['DB_SOCKET']};dbname={$env['DB_DATABASE']}",
        $env['DB_USERNAME'],
        $env['DB_PASSWORD'],
        [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION],
    );
}

function standin_record(string $command, array $options): void
{
    $file = dirname(__DIR__) . '/storage/collectif-standin.json';
    $log = is_file($file) ? json_decode((string) file_get_contents($file), true) : [];
    // What was asked, never a password itself: only whether one was given.
    if (isset($options['password'])) {
        $options['password'] = 'given';
    }
    $log[] = [
        'command' => $command,
        'options' => $options,
        'user' => posix_getpwuid(posix_geteuid())['name'],
        'release' => realpath(dirname(__DIR__)),
        'time' => time(),
    ];
    file_put_contents($file, json_encode($log, JSON_PRETTY_PRINT) . "\n");
}

/** One artisan command; returns its exit status. */
function standin_run(string $command, array $options): int
{
    $env = standin_env();
    $storage = dirname(__DIR__) . '/storage';
    standin_record($command, $options);
    switch ($command) {
        case 'migrate':
            if (!isset($options['force'])) {
                fwrite(STDERR, "production: migrate needs --force\n");
                return 1;
            }
            $db = standin_db($env);
            $db->exec('CREATE TABLE IF NOT EXISTS accounts (id INT AUTO_INCREMENT PRIMARY KEY,
                       created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)');
            $db->exec('CREATE TABLE IF NOT EXISTS users (id INT AUTO_INCREMENT PRIMARY KEY,
                       account_id INT, email VARCHAR(191) UNIQUE, password VARCHAR(255))');
            $db->exec('CREATE TABLE IF NOT EXISTS company_tokens (id INT AUTO_INCREMENT PRIMARY KEY,
                       user_id INT, token VARCHAR(64))');
            $db->exec('CREATE TABLE IF NOT EXISTS clients (id INT AUTO_INCREMENT PRIMARY KEY,
                       name VARCHAR(191), email VARCHAR(191))');
            $db->exec('CREATE TABLE IF NOT EXISTS recurring_invoices (id INT AUTO_INCREMENT PRIMARY KEY,
                       client_id INT, frequency_id INT, amount DECIMAL(10,2), notes VARCHAR(191),
                       product_key VARCHAR(191) DEFAULT \'\', status_id INT DEFAULT 1,
                       next_send_date VARCHAR(10) DEFAULT \'\')');
            return 0;
        case 'ninja:create-account':
            if (empty($options['email']) || empty($options['password'])) {
                fwrite(STDERR, "ninja:create-account needs --email and --password\n");
                return 1;
            }
            $db = standin_db($env);
            $db->exec('INSERT INTO accounts () VALUES ()');
            $insert = $db->prepare('INSERT INTO users (account_id, email, password) VALUES (?, ?, ?)');
            $insert->execute([$db->lastInsertId(), $options['email'], password_hash($options['password'], PASSWORD_BCRYPT)]);
            // As the real one: the new user gets the company's API token.
            $token = $db->prepare('INSERT INTO company_tokens (user_id, token) VALUES (?, ?)');
            $token->execute([$db->lastInsertId(), bin2hex(random_bytes(32))]);
            return 0;
        case 'optimize':
            // As Laravel's: the settings compiled into bootstrap/cache (the role keeps it private).
            file_put_contents(dirname(__DIR__) . '/bootstrap/cache/config.php',
                '<?php return ' . var_export($env, true) . ";\n");
            return 0;
        case 'down':
            touch("$storage/framework/down");
            return 0;
        case 'up':
            @unlink("$storage/framework/down");
            return 0;
        case 'db:seed':
        case 'ninja:design-update':
        case 'schedule:run':
            return 0;
        case 'queue:work':
            standin_db($env);
            while (true) {
                sleep(3);
            }
        default:
            fwrite(STDERR, "Command \"$command\" is not defined (stand-in).\n");
            return 1;
    }
}
