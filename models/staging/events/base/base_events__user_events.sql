{#- Every copy of user_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'user_log') }}

with

{{ staged_copies('user_log') }}

select * from copies_ranked
