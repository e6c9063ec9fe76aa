{%- set key_columns = ['import_batch_id'] -%}

{{ assert_source_columns('events', 'import_log') }}

with

source as (

    select * from {{ source('events', 'import_log') }}

),

renamed as (

    select
        cast(import_batch_id as {{ dbt.type_string() }}) as import_batch_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(rows_received as bigint) as rows_received,
        cast(rows_imported as bigint) as rows_imported,
        cast(rows_rejected as bigint) as rows_rejected,
        cast(started_at as timestamp) as started_at,
        cast(finished_at as timestamp) as finished_at,
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
