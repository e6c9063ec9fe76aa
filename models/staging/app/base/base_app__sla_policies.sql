{%- set key_columns = ['tenant_id', 'channel'] -%}

{{ assert_source_columns('app', 'sla_policies') }}

with

source as (

    select * from {{ source('app', 'sla_policies') }}

),

renamed as (

    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(first_reply_target_minutes as bigint)
            as first_reply_target_minutes,
        cast(_loaded_at as timestamp) as loaded_at
    from source

),

ranked as (

    select
        renamed.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from renamed

)

select * from ranked
