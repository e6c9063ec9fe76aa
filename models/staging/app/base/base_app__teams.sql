{%- set key_columns = ['team_id'] -%}

{{ assert_source_columns('app', 'teams') }}

with

source as (

    select * from {{ source('app', 'teams') }}

),

renamed as (

    select
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
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
