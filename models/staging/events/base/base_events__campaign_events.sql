{#- Every copy of campaign_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'campaign_log') }}

with

{{ staged_copies('campaign_log') }}

select * from copies_ranked
