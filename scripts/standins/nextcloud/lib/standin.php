<?php
// STAND-IN for Nextcloud's code, for tests on machines that cannot download the real
// release. It keeps the state the role reads and writes (installed or not, apps, app
// settings, accounts, maintenance mode, last background run) in a JSON file of the
// settings directory, and writes config.php on install as Nextcloud does. It serves no
// files and runs no apps.

function standin_config_dir(): string {
    return getenv('NEXTCLOUD_CONFIG_DIR') ?: __DIR__ . '/../config';
}

function standin_load(): array {
    $file = standin_config_dir() . '/standin-state.json';
    $state = is_file($file) ? json_decode(file_get_contents($file), true) : null;
    return $state ?: ['installed' => false, 'maintenance' => false, 'apps' => ['files' => true],
                      'appconfig' => [], 'users' => []];
}

function standin_save(array $state): void {
    file_put_contents(standin_config_dir() . '/standin-state.json', json_encode($state, JSON_PRETTY_PRINT));
}

function standin_status(array $state): array {
    return ['installed' => $state['installed'], 'version' => '0.0.0.0', 'versionstring' => 'standin',
            'edition' => '', 'maintenance' => $state['maintenance'], 'needsDbUpgrade' => false,
            'productname' => 'Nextcloud stand-in', 'extendedSupport' => false];
}
