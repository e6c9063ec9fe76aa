{#- Every copy of subscription_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'subscription_log') }}

with

{{ staged_copies('subscription_log') }}

select * from copies_ranked
