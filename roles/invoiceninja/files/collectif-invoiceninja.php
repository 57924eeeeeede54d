<?php
// collectif-invoiceninja: what the invoiceninja role asks of Invoice Ninja that its own
// commands cannot take safely. Installed by the role; run as Invoice Ninja's user:
//
//   php collectif-invoiceninja.php <release> create-account <email>   (password on stdin)
//
// It loads Invoice Ninja as its artisan command does (Composer's autoloader, then
// bootstrap/app.php) and runs Invoice Ninja's own ninja:create-account inside this
// process, so the password read on the standard input is never in a process's arguments.
declare(strict_types=1);

function fail(string $message): never
{
    fwrite(STDERR, "collectif-invoiceninja: $message\n");
    exit(2);
}

[, $root, $command] = $argv + [null, null, null];
if ($root === null || !is_file("$root/artisan")) {
    fail('usage: collectif-invoiceninja.php <release directory> create-account <email>');
}
chdir($root);
require "$root/vendor/autoload.php";
$app = require "$root/bootstrap/app.php";
$kernel = $app->make(Illuminate\Contracts\Console\Kernel::class);
$kernel->bootstrap();

switch ($command) {
    case 'create-account':
        $email = $argv[3] ?? '';
        if (!filter_var($email, FILTER_VALIDATE_EMAIL)) {
            fail("create-account needs an e-mail address, not '$email'");
        }
        $password = rtrim((string) fgets(STDIN), "\r\n");
        if (strlen($password) < 8) {
            fail('create-account reads a password of 8 characters or more on its standard input');
        }
        $status = $kernel->call('ninja:create-account', ['--email' => $email, '--password' => $password]);
        fwrite(STDOUT, $kernel->output());
        exit($status);
    default:
        fail("unknown command '$command' (create-account)");
}
