{#- Every copy of account_binding_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'account_binding_log') }}

with

{{ staged_copies('account_binding_log') }}

select * from copies_ranked
