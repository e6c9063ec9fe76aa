{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'media_log') }}

with

source as (

    select * from {{ source('events', 'media_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(image_id as {{ dbt.type_string() }}) as image_id,
        cast(content_type as {{ dbt.type_string() }}) as content_type,
        cast(bytes as bigint) as bytes,
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
