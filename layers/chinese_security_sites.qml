<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0-Firenze" styleCategories="Symbology|MapTips">
  <renderer-v2 type="categorizedSymbol" attr="category" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
      <category symbol="0" value="border_checkpoint" label="Border checkpoint (China-financed)" render="true" />
      <category symbol="1" value="border_guard_station" label="Border guard station (China-renovated)" render="true" />
      <category symbol="2" value="command_post" label="Border command post (China-financed)" render="true" />
      <category symbol="3" value="coordination_centre" label="Counter-terrorism coordination centre" render="true" />
      <category symbol="4" value="counter_terrorism_centre" label="Counter-terrorism centre" render="true" />
      <category symbol="5" value="military_outpost" label="Chinese-manned military outpost" render="true" />
      <category symbol="6" value="observation_tower" label="Observation tower (China-financed)" render="true" />
      <category symbol="7" value="surveillance_system" label="Surveillance system" render="true" />
      <category symbol="8" value="training_centre" label="Training centre" render="true" />
    </categories>
    <symbols>
      <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="3" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="4" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="5" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="6" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="7" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
      <symbol type="marker" name="8" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
    </symbols>
    <source-symbol>
      <symbol type="marker" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" enabled="1" pass="0" locked="0">
          <Option type="Map">
            <Option name="name" type="QString" value="star" />
            <Option name="color" type="QString" value="213,94,0,217" />
            <Option name="outline_color" type="QString" value="213,94,0,255" />
            <Option name="outline_style" type="QString" value="solid" />
            <Option name="outline_width" type="QString" value="2" />
            <Option name="outline_width_unit" type="QString" value="Pixel" />
            <Option name="size" type="QString" value="12" />
            <Option name="size_unit" type="QString" value="Pixel" />
            <Option name="scale_method" type="QString" value="diameter" />
          </Option>
          <prop k="name" v="star" />
          <prop k="color" v="213,94,0,217" />
          <prop k="outline_color" v="213,94,0,255" />
          <prop k="outline_style" v="solid" />
          <prop k="outline_width" v="2" />
          <prop k="outline_width_unit" v="Pixel" />
          <prop k="size" v="12" />
          <prop k="size_unit" v="Pixel" />
          <prop k="scale_method" v="diameter" />
        </layer>
      </symbol>
    </source-symbol>
    <rotation />
    <sizescale />
  </renderer-v2>
  <mapTip>[% "name" %]</mapTip>
  <previewExpression>"name"</previewExpression>
  <layerGeometryType>0</layerGeometryType>
</qgis>
