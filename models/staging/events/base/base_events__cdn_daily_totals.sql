{%- set table_name = 'cdn_log' -%}
{%- set key_columns = ['log_date', 'tenant_id', 'distribution'] -%}
{%- set native_types = lake_native_types('events', table_name) -%}

{{ assert_source_columns('events', 'cdn_log') }}

with

source as (

    select * from {{ source('events', 'cdn_log') }}

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
        {{ lake_value('log_date', 'date', native_types) }} as log_date,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(distribution as {{ dbt.type_string() }}) as distribution,
        {{ lake_value('requests', 'bigint', native_types) }} as requests,
        {{ lake_value('bytes_served', 'bigint', native_types) }}
            as bytes_served,
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
