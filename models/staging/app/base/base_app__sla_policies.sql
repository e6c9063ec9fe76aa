{%- set table_name = 'sla_policies' -%}
{%- set key_columns = ['tenant_id', 'channel'] -%}
{%- set native_types = lake_native_types('app', table_name) -%}

{{ assert_source_columns('app', 'sla_policies') }}

with

source as (

    select * from {{ source('app', 'sla_policies') }}

),

landed as (

    select
        source.*,
        {{ same_load_copies(table_name, native_types) }}
            as same_load_copies
    from source

),

renamed as (

    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        {{ lake_value('first_reply_target_minutes', 'bigint', native_types) }}
            as first_reply_target_minutes,
        {{ lake_value('_loaded_at', 'timestamp', native_types) }} as loaded_at,
        {{ copy_invalid_reason(table_name, native_types) }}
            as copy_invalid_reason,
        {{ copy_fingerprint(table_name, native_types) }} as copy_fingerprint
    from landed

),

checked as (

    select
        renamed.*,
        {{ copy_reason(key_columns) }} as copy_reason
    from renamed

),

ranked as (

    select
        checked.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from checked

)

select * from ranked
