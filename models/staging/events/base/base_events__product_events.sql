{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'product_log') }}

with

source as (

    select * from {{ source('events', 'product_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(source_platform as {{ dbt.type_string() }}) as source_platform,
        cast(event_time as timestamp) as occurred_at,
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
