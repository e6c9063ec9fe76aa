{#- Every copy of notification_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'notification_log') }}

with

{{ staged_copies('notification_log') }}

select * from copies_ranked
