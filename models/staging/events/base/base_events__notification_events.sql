{%- set table_name = 'notification_log' -%}
{%- set key_columns = ['event_id'] -%}
{%- set native_types = lake_native_types('events', table_name) -%}

{{ assert_source_columns('events', 'notification_log') }}

with

source as (

    select * from {{ source('events', 'notification_log') }}

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
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(notification_id as {{ dbt.type_string() }}) as notification_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(brand_id as {{ dbt.type_string() }}) as brand_id,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(status as {{ dbt.type_string() }}) as status,
        {{ lake_value('event_time', 'timestamp', native_types) }}
            as occurred_at,
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
