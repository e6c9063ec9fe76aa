{%- set table_name = 'import_log' -%}
{%- set key_columns = ['import_batch_id'] -%}
{%- set native_types = lake_native_types('events', table_name) -%}

{{ assert_source_columns('events', 'import_log') }}

with

source as (

    select * from {{ source('events', 'import_log') }}

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
        cast(import_batch_id as {{ dbt.type_string() }}) as import_batch_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(source as {{ dbt.type_string() }}) as source,
        {{ lake_value('rows_received', 'bigint', native_types) }}
            as rows_received,
        {{ lake_value('rows_imported', 'bigint', native_types) }}
            as rows_imported,
        {{ lake_value('rows_rejected', 'bigint', native_types) }}
            as rows_rejected,
        {{ lake_value('started_at', 'timestamp', native_types) }} as started_at,
        {{ lake_value('finished_at', 'timestamp', native_types) }}
            as finished_at,
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
