<?php
// Publish a post on the main site through WordPress's own API, as a volunteer would from
// the dashboard; prints its ID. Run as the PHP user: php publish-post.php TITLE CONTENT
$_SERVER['HTTP_HOST'] = 'collectif.test';
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
$admin = get_user_by('login', 'admin');
$id = wp_insert_post([
    'post_title' => $argv[1],
    'post_content' => $argv[2],
    'post_status' => 'publish',
    'post_author' => $admin->ID,
], true);
if (is_wp_error($id)) {
    fwrite(STDERR, $id->get_error_message() . "\n");
    exit(1);
}
echo $id;
