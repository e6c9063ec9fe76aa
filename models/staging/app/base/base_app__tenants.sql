{%- set key_columns = ['tenant_id'] -%}

{{ assert_source_columns('app', 'tenants') }}

with

source as (

    select * from {{ source('app', 'tenants') }}

),

renamed as (

    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(name as {{ dbt.type_string() }}) as name,
        cast(timezone as {{ dbt.type_string() }}) as timezone,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(plan as {{ dbt.type_string() }}) as plan,
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
