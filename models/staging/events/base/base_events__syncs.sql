{%- set table_name = 'sync_log' -%}
{%- set key_columns = ['sync_id'] -%}
{%- set native_types = lake_native_types('events', table_name) -%}

{{ assert_source_columns('events', 'sync_log') }}

with

source as (

    select * from {{ source('events', 'sync_log') }}

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
        cast(sync_id as {{ dbt.type_string() }}) as sync_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        {{ lake_value('started_at', 'timestamp', native_types) }} as started_at,
        {{ lake_value('finished_at', 'timestamp', native_types) }}
            as finished_at,
        cast(status as {{ dbt.type_string() }}) as status,
        {{ lake_value('items_synced', 'bigint', native_types) }}
            as items_synced,
        cast(error_code as {{ dbt.type_string() }}) as error_code,
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
