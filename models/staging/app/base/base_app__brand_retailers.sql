{%- set key_columns = ['brand_id', 'tenant_id'] -%}

{{ assert_source_columns('app', 'brand_retailers') }}

with

source as (

    select * from {{ source('app', 'brand_retailers') }}

),

renamed as (

    select
        cast(brand_id as {{ dbt.type_string() }}) as brand_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(authorized_at as timestamp) as authorized_at,
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
