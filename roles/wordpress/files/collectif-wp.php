<?php
/*
 * collectif-wp: the few WordPress operations the `wordpress` role needs, done through
 * WordPress's own functions (wp-cli is not in Debian, and its releases come from GitHub).
 * Installed by Ansible (roles/wordpress); run as the site's user:
 *
 *   runuser -u wordpress -- php /usr/local/lib/collectif/collectif-wp.php DOMAIN COMMAND
 *
 * COMMAND: status, install, settings, site, members, purge, upgrade, cron. Values come from WORDPRESS_*
 * environment variables, never from the command line (which every user can read); the
 * administrator's password (install) from standard input, since over sudo a task's
 * environment is on a command line too, which sudo writes to the journal.
 * It prints one JSON object; "changed" says whether it changed anything.
 */

declare(strict_types=1);

const WORDPRESS = '/usr/share/wordpress/';

if (PHP_SAPI !== 'cli') {
    exit(1);
}

$answered = false;

function finish(array $result): never
{
    global $answered;
    $answered = true;
    echo json_encode($result, JSON_UNESCAPED_SLASHES), "\n";
    exit(0);
}

function fail(string $message): never
{
    global $answered;
    $answered = true;
    fwrite(STDERR, "collectif-wp: $message\n");
    exit(1);
}

function input(string $name, bool $required = true): string
{
    $value = getenv('WORDPRESS_' . strtoupper($name));
    if ($required && ($value === false || $value === '')) {
        fail("WORDPRESS_" . strtoupper($name) . " is missing");
    }
    return $value === false ? '' : $value;
}

function secret_input(string $what): string
{
    $value = rtrim((string) fgets(STDIN), "\r\n");
    if ($value === '') {
        fail("$what is missing on standard input");
    }
    return $value;
}

$domain = strtolower($argv[1] ?? '');
$command = $argv[2] ?? 'status';
if (!preg_match('/^[a-z0-9.-]+$/', $domain)) {
    fail('usage: collectif-wp.php DOMAIN status|install|settings|site|members|purge|upgrade|cron');
}
$path = input('path', false) ?: '/';

// WordPress finds its settings (Debian: /etc/wordpress/config-DOMAIN.php) and, in a
// network, its site from the request: give it the one a browser would send.
$_SERVER['HTTP_HOST'] = $domain;
$_SERVER['SERVER_NAME'] = $domain;
$_SERVER['REQUEST_URI'] = $path;
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['SERVER_SOFTWARE'] = 'nginx';
$_SERVER['SERVER_PORT'] = '443';
$_SERVER['HTTPS'] = 'on';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';

// WordPress stops by itself when it cannot go on (wp_die: database unreachable, settings
// missing), printing a page and exiting 0. Every command ends in finish() or fail(): if
// neither was reached, say so in one line and exit 1, for Ansible to show.
register_shutdown_function(static function () use ($command): void {
    global $answered;
    if (!$answered && $command !== 'site-cron') {
        fwrite(STDERR, "collectif-wp: WordPress stopped before '$command' could answer "
            . "(is the database up? are the settings in /etc/wordpress right?)\n");
        exit(1);
    }
});

if ($command === 'site-cron') {
    // One site's due events, by WordPress's own runner.
    chdir(WORDPRESS);
    $_SERVER['REQUEST_URI'] = $path . 'wp-cron.php';
    require WORDPRESS . 'wp-cron.php';
    exit(0);
}

if (in_array($command, ['status', 'install'], true)) {
    // Before the network exists: load WordPress as one site, without its installer's
    // redirect (the settings file leaves MULTISITE out when this is defined).
    define('WP_INSTALLING', true);
    define('COLLECTIF_WP_BEFORE_NETWORK', true);
    define('WP_SITEURL', "https://$domain");
}

require WORDPRESS . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

// No e-mail from here: an install or a new site must not write to people from a
// playbook run (and a server may have no mailer yet).
add_filter('pre_wp_mail', '__return_false');

if (!is_multisite()) {
    // The network's tables, named as WordPress's own Network Setup page names them.
    foreach ($wpdb->tables('ms_global') as $table => $prefixed) {
        $wpdb->$table = $prefixed;
    }
}

function network_exists(): bool
{
    global $wpdb;
    $wpdb->suppress_errors(true);
    $found = $wpdb->get_var("SELECT id FROM {$wpdb->base_prefix}site WHERE id = 1");
    $wpdb->suppress_errors(false);
    return $found !== null;
}

/** Set an option of the current site when it differs; true when it did. */
function ensure_option(string $name, string $value): bool
{
    if ((string) get_option($name) === $value) {
        return false;
    }
    update_option($name, $value);
    return true;
}

/** The permalink structure of the current site; the main site's starts with /blog, as
 *  WordPress's own settings page makes it, so that its posts never take a member's path. */
function ensure_permalinks(string $structure): bool
{
    global $wp_rewrite;
    if ($structure === '') {
        return false;
    }
    if (is_main_site()) {
        $structure = '/blog' . $structure;
    }
    if ((string) get_option('permalink_structure') === $structure) {
        return false;
    }
    $wp_rewrite->set_permalink_structure($structure);
    flush_rewrite_rules(false);
    return true;
}

/** A member's account, with its first password; its e-mail must be free. */
function make_account(string $login, string $password, string $email): WP_User
{
    $id = wpmu_create_user($login, $password, $email);
    if (!$id) {
        fail("the account '$login' could not be made (is its e-mail already used?)");
    }
    return get_user_by('id', $id);
}

/** Copy a directory and everything in it (the member's uploads, for their archive). */
function copy_tree(string $from, string $to): void
{
    if (!is_dir($to) && !mkdir($to, 0700, true)) {
        fail("cannot make $to");
    }
    foreach (new RecursiveIteratorIterator(
        new RecursiveDirectoryIterator($from, FilesystemIterator::SKIP_DOTS),
        RecursiveIteratorIterator::SELF_FIRST
    ) as $path => $entry) {
        $target = $to . substr($path, strlen($from));
        if ($entry->isDir()) {
            is_dir($target) || mkdir($target, 0700);
        } elseif (!copy($path, $target)) {
            fail("cannot copy $path");
        }
    }
}

/** Lock (or unlock) an account: a network refuses a "spam" account's sign-in, with its
 *  password or an application password; locking also ends its sessions. */
function lock_account(WP_User $user, bool $locked): void
{
    global $wpdb;
    $wpdb->update($wpdb->users, ['spam' => $locked ? 1 : 0], ['ID' => $user->ID]);
    clean_user_cache($user);
    if ($locked) {
        WP_Session_Tokens::get_instance($user->ID)->destroy_all();
    }
}

/** A member's site at /SLUG/ with its title (only when made, if $keep_title: the member
 *  names it), owned by $owner; [changed, site id]. */
function ensure_site(
    string $domain, string $slug, string $title, WP_User $owner, string $permalinks, bool $keep_title = false
): array {
    if (!preg_match('/^[a-z0-9]{4,}$/', $slug)) {
        fail("site '$slug': WordPress wants 4 or more lowercase letters and digits");
    }
    $changed = false;
    $found = get_sites(['domain' => $domain, 'path' => "/$slug/", 'number' => 1]);
    if ($found) {
        $site_id = (int) $found[0]->blog_id;
    } else {
        $site_id = wpmu_create_blog(
            $domain,
            "/$slug/",
            $title,
            $owner->ID,
            ['public' => 1, 'WPLANG' => get_site_option('WPLANG')],
            get_current_network_id()
        );
        if (is_wp_error($site_id)) {
            fail("site '$slug': " . implode('; ', $site_id->get_error_messages()));
        }
        $changed = true;
    }
    switch_to_blog($site_id);
    if (!$keep_title) {
        $changed = ensure_option('blogname', $title) || $changed;
    }
    $changed = ensure_permalinks($permalinks) || $changed;
    if (!is_user_member_of_blog($owner->ID, $site_id)) {
        add_user_to_blog($site_id, $owner->ID, 'administrator');
        $changed = true;
    }
    restore_current_blog();
    return [$changed, $site_id];
}

switch ($command) {
    case 'status':
        global $wp_version, $wp_db_version;
        $installed = is_blog_installed();
        finish([
            'changed' => false,
            'installed' => $installed,
            'network' => $installed && network_exists(),
            'version' => $wp_version,
            'db_version' => (int) ($installed ? get_option('db_version') : 0),
            'code_db_version' => (int) $wp_db_version,
        ]);

    case 'install':
        $changed = false;
        if (!is_blog_installed()) {
            $result = wp_install(
                input('title'),
                input('admin_user'),
                input('admin_email'),
                true,
                '',
                wp_slash(secret_input("the administrator's password")),
                input('locale', false)
            );
            update_option('home', "https://$domain");
            $changed = true;
        }
        if (!network_exists()) {
            install_network();
            // Sub-directories: https://DOMAIN/SLUG/ for each member's site (no wildcard
            // DNS record or certificate needed).
            $result = populate_network(1, $domain, input('admin_email'), input('title'), '/', false);
            if (is_wp_error($result)) {
                fail('the network could not be made: ' . implode('; ', $result->get_error_messages()));
            }
            $changed = true;
        }
        finish(['changed' => $changed]);

    case 'settings':
        // The main site, and the network's default language for new sites.
        $changed = ensure_option('blogname', input('title'));
        $changed = ensure_option('WPLANG', input('locale', false)) || $changed;
        if ((string) get_site_option('WPLANG') !== input('locale', false)) {
            update_site_option('WPLANG', input('locale', false));
            $changed = true;
        }
        $changed = ensure_permalinks(input('permalinks', false)) || $changed;
        finish(['changed' => $changed]);

    case 'site':
        // A member's site at /SLUG/, owned by their account (made without a password
        // they know: they set one through "Lost your password?").
        $owner = get_user_by('login', input('owner'));
        $changed = false;
        if (!$owner) {
            $owner = make_account(input('owner'), wp_generate_password(32), input('owner_email'));
            $changed = true;
        }
        [$site_changed, $site_id] = ensure_site(
            $domain, input('slug'), input('title'), $owner, input('permalinks', false));
        finish(['changed' => $changed || $site_changed, 'id' => $site_id, 'url' => get_home_url($site_id, '/')]);

    case 'members':
        // The member contract: each member's blog and account as the members file says.
        // Standard input: one JSON list of {login, name, email, enabled, password, reset}
        // (the password only for a member whose first one this run brings; reset: it
        // replaces the account's own). A member who
        // should blog gets their account (when missing, with that password) unlocked and
        // their site /LOGIN/ open; the others' account is locked (WordPress refuses its
        // sign-in and its sessions end) and their site archived (kept, not shown).
        $wanted = json_decode((string) stream_get_contents(STDIN), true);
        if (!is_array($wanted)) {
            fail('the members are missing on standard input (a JSON list)');
        }
        $done = ['made' => [], 'unlocked' => [], 'locked' => [], 'opened' => [], 'archived' => [],
                 'new password' => [], 'waiting' => []];
        foreach ($wanted as $member) {
            $login = (string) ($member['login'] ?? '');
            $user = get_user_by('login', $login);
            if ($user && !empty($member['reset']) && ($member['password'] ?? '') !== '') {
                // A new password the member asked for: their sessions end with the old one.
                wp_set_password((string) $member['password'], $user->ID);
                $done['new password'][] = $login;
            }
            $found = get_sites(['domain' => $domain, 'path' => "/$login/", 'number' => 1]);
            if (empty($member['enabled'])) {
                if ($user && !is_user_spammy($user)) {
                    lock_account($user, true);
                    $done['locked'][] = $login;
                }
                if ($found && !(int) $found[0]->archived) {
                    update_blog_status((int) $found[0]->blog_id, 'archived', '1');
                    $done['archived'][] = $login;
                }
                continue;
            }
            if (!$user) {
                if (($member['password'] ?? '') === '') {
                    $done['waiting'][] = $login;
                    continue;
                }
                $user = make_account($login, (string) $member['password'], (string) $member['email']);
                $done['made'][] = $login;
            } elseif (is_user_spammy($user)) {
                lock_account($user, false);
                $done['unlocked'][] = $login;
            }
            [$site_changed, $site_id] = ensure_site(
                $domain, $login, (string) ($member['name'] ?? $login), $user, input('permalinks', false), true);
            if ($found && (int) $found[0]->archived) {
                update_blog_status($site_id, 'archived', '0');
                $site_changed = true;
            }
            if ($site_changed) {
                $done['opened'][] = $login;
            }
        }
        $changed = array_diff_key(array_filter($done), ['waiting' => true]) !== [];
        finish(['changed' => $changed] + $done);

    case 'purge':
        // A member who is gone, purged (`collectif member purge`): their site exported
        // (WordPress's own export file, as Tools > Export makes it, and its uploads) into
        // WORDPRESS_EXPORT, a directory of this user's, then the site and the account
        // deleted.
        require_once ABSPATH . 'wp-admin/includes/ms.php';
        require_once ABSPATH . 'wp-admin/includes/export.php';
        $login = input('login');
        $export = input('export');
        if (!is_dir($export) || !is_writable($export)) {
            fail("the export directory '$export' is missing or not writable");
        }
        $done = ['changed' => false, 'exported' => [], 'deleted' => []];
        foreach (get_sites(['domain' => $domain, 'path' => "/$login/", 'number' => 1]) as $site) {
            switch_to_blog((int) $site->blog_id);
            ob_start();
            export_wp(['content' => 'all']);
            file_put_contents("$export/site.xml", ob_get_clean());
            $uploads = wp_upload_dir(null, false)['basedir'];
            restore_current_blog();
            $done['exported'][] = 'site.xml';
            if (is_dir($uploads)) {
                copy_tree($uploads, "$export/uploads");
                $done['exported'][] = 'uploads';
            }
            wpmu_delete_blog((int) $site->blog_id, true);
            $done['deleted'][] = "/$login/";
        }
        $user = get_user_by('login', $login);
        if ($user) {
            wpmu_delete_user($user->ID);
            $done['deleted'][] = $login;
        }
        $done['changed'] = $done['deleted'] !== [];
        finish($done);

    case 'upgrade':
    case 'cron':
        // Each site in its own process, as WordPress would serve it.
        $done = [];
        foreach (get_sites(['number' => 0, 'deleted' => 0]) as $site) {
            if ($command === 'upgrade') {
                switch_to_blog((int) $site->blog_id);
                wp_upgrade();
                restore_current_blog();
                $done[] = $site->path;
                continue;
            }
            $run = proc_open(
                [PHP_BINARY, __FILE__, $domain, 'site-cron'],
                [1 => STDOUT, 2 => STDERR],
                $pipes,
                null,
                ['WORDPRESS_PATH' => $site->path] + getenv()
            );
            if (is_resource($run) && proc_close($run) === 0) {
                $done[] = $site->path;
            } else {
                fail("the events of {$site->path} failed");
            }
        }
        finish(['changed' => $command === 'upgrade', 'sites' => $done]);

    default:
        fail("unknown command '$command'");
}
