{%- set key_columns = ['brand_id'] -%}

{{ assert_source_columns('app', 'brands') }}

with

source as (

    select * from {{ source('app', 'brands') }}

),

renamed as (

    select
        cast(brand_id as {{ dbt.type_string() }}) as brand_id,
        cast(name as {{ dbt.type_string() }}) as name,
        cast(created_at as timestamp) as created_at,
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
